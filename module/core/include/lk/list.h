// SPDX-License-Identifier: GPL-2.0
//
// Intrusive doubly-linked lists: the node lives in the element, so linking
// never allocates. An element that sits on several lists derives from one
// ListNode per list, told apart by a tag type.
#pragma once

#include <lk/types.h>

namespace lk {

template <class Tag = void> class ListNode {
  public:
    constexpr ListNode() = default;
    ListNode(const ListNode&) = delete;
    ListNode& operator=(const ListNode&) = delete;

    bool in_list() const { return next_ != nullptr; }

  private:
    template <class T, class U> friend class List;
    ListNode* prev_ = nullptr;
    ListNode* next_ = nullptr;
};

// A list of T, where T derives from ListNode<Tag>. Not thread-safe: the
// owner's lock guards it.
template <class T, class Tag = void> class List {
    using Node = ListNode<Tag>;

  public:
    List() { head_.prev_ = head_.next_ = &head_; }
    List(const List&) = delete;
    List& operator=(const List&) = delete;

    bool empty() const { return head_.next_ == &head_; }
    usize size() const {
        usize n = 0;
        for (const Node* p = head_.next_; p != &head_; p = p->next_) n++;
        return n;
    }

    void push_back(T& e) {
        Node& n = e;
        n.prev_ = head_.prev_;
        n.next_ = &head_;
        head_.prev_->next_ = &n;
        head_.prev_ = &n;
    }

    static void remove(T& e) {
        Node& n = e;
        n.prev_->next_ = n.next_;
        n.next_->prev_ = n.prev_;
        n.prev_ = n.next_ = nullptr;
    }

    T* front() { return empty() ? nullptr : elem(head_.next_); }

    T* pop_front() {
        T* e = front();
        if (e) remove(*e);
        return e;
    }

    // Iteration that tolerates removal of the current element.
    template <class F> void for_each(F&& f) {
        for (Node *p = head_.next_, *next; p != &head_; p = next) {
            next = p->next_;
            f(*elem(p));
        }
    }
    // Stops at the first element for which f returns true; returns it.
    template <class F> T* find(F&& f) {
        for (Node* p = head_.next_; p != &head_; p = p->next_)
            if (f(*elem(p))) return elem(p);
        return nullptr;
    }

  private:
    static T* elem(Node* n) { return static_cast<T*>(n); }
    Node head_;
};

}  // namespace lk
